"""The records the SOPs' Pencatatan dan Pendataan demand, kept beside the cases.

- ``server_assets``  the server asset register (SOP-05 Pencatatan 1 and 2): kept by Personil DC,
  written by the back-up/restore cases and the yearly review
- ``dc_access``      the data-center access register (SOP-04 step 1, Pencatatan): visits opened by a
  maintenance assignment or entered by the Pengawas, closed when the work ends
- ``case_hooks``     what completing a step or ending a case writes to the registers, in the step's
  own unit of work

Each server and each visit has its own audit chain (``register:server_asset:<id>``,
``register:dc_access:<id>``; before, one chain per register, still read), verified with the others by
``alur audit verify``, which derives the registers from them (``register_check``).
"""
