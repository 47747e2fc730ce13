"""The dashboards write no stored text of their own (they only read approved data); the annual report's
audit row names its year, which needs no translation."""
