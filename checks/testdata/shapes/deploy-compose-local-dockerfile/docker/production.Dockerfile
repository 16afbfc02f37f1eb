FROM python:3.12
COPY . /app
CMD ["gunicorn", "config.wsgi:application"]
