"""kehoach-extract: Vietnamese plan documents (KẾ HOẠCH) to contract JSON."""

__version__ = "0.1.0"
EXTRACTOR = f"kehoach-extract {__version__}"
