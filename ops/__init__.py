"""Operator use cases behind the database commands of ``manage.py``.

One module per concern: ``dbcheck`` (health report), ``dbcreate`` (database and user),
``backup`` and ``restore`` (dump files), ``prisma_import`` (moving data from the old Node/Prisma
app), with ``mysql_clients`` holding what they share (client programs, credentials files,
direct connections). Commands parse options, call one of these functions and print; these
modules never print and never log a password.
"""
