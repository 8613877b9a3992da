"""Daily drip schedules: a template to the next N contacts every day until everyone has it."""
