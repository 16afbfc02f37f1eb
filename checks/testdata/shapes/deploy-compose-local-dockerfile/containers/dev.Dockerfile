FROM python:3.12
COPY requirements/ /requirements/
RUN pip install -r /requirements/local.txt
