"""The Dagster code location: Definitions, resources, jobs, schedules and sensors."""
