"""Working time: the Pemprov Kaltim calendar, the admin's date overrides, per-person leave, the clock."""
