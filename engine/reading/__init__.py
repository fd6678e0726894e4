"""What people read: inbox and case queries, task and case pages, the SOP catalogue, versions."""
