from settings.common import *

DEBUG = True
SECRET_KEY = "test"
