"""The generated dbt project: rendering, writing, and the one gateway to dbt-core."""
