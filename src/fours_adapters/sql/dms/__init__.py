"""Storage of the DMS feeds: the import journal (``dms_imports``)."""
