"""PyInstaller hook: bundle pymediainfo's native libmediainfo (the contrib hook misses versioned libmediainfo.so.0)."""

from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs, copy_metadata

binaries = collect_dynamic_libs("pymediainfo", search_patterns=["lib*.so*", "*.dll", "*.dylib"])
datas = collect_data_files("pymediainfo") + copy_metadata("pymediainfo")
