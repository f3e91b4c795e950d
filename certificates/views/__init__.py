"""The certificates' pages: the public register and verification page (public.py) and the holder's (holder.py)."""
