"""One date format per language (settings.FORMAT_MODULE_PATH), used by every page: templates write
`|date` (DATE_FORMAT) or `|date:"DATETIME_FORMAT"`, never a pattern of their own. docs/dates.md says why."""
