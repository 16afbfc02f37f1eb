from ..settings import *

SECRET_KEY = "tests"
DEBUG = False
