"""Process models: parse and check BPMN, deploy versions, diff them; forms, roles, expressions, schedules."""
