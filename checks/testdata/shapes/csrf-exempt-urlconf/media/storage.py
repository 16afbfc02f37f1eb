import shutil


def store_archive(upload):
    with open("/tmp/archive.zip", "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    shutil.unpack_archive("/tmp/archive.zip", "/srv/media/")
