#!/bin/sh
set -e
./manage.py migrate --settings=settings_pg
./manage.py makemigrations --check --settings=settings_pg
