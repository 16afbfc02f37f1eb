# File names the export and import commands agree on.
EXPORT_MANIFEST = "manifest.json"
EXPORT_VERSION_FILE = "version.json"
EXPORT_CHUNK_SIZE = 500
SECRET_MARKER = "archive"
