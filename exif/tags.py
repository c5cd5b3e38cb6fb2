def exif_tags(data): return {}
