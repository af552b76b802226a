"""The roll as DDOs and HoDs keep it: mobile-correction requests, their decisions, direct corrections."""
