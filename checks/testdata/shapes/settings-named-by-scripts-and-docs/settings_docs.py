from settings import *

DEBUG = True
SECRET_KEY = "docs"
