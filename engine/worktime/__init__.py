"""Working time: the Pemprov Kaltim calendar, the admin's date overrides, the clock."""
