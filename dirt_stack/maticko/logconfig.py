"""The JSON log line format, shared by Django's LOGGING and gunicorn's logconfig_dict.

One JSON object per line on stdout, which CloudWatch Logs Insights queries by
field (level, logger, message, timestamp, and any ``extra`` fields).
"""

JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(levelname)s %(name)s %(message)s",
    "rename_fields": {"levelname": "level", "name": "logger"},
    "timestamp": True,
}
