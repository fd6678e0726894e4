"""verify_packet.py: the stand-alone checker shipped inside every audit packet."""
