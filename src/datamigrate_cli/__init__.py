"""datamigrate: SQL Server -> dbt."""

__version__ = "0.1.0"
