"""The official SOP document (PermenPAN-RB 35/2012): its content, flowchart layout and rendering."""
