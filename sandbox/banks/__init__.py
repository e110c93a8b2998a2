"""Sandbox banks for network inquiry and control (网络查控) and one-case-one-account statements.

``responder`` (a bank that answers its SFTP inbox through its own mapping file, deterministically),
``sftp_server`` (an in-process SFTP server for ``make demo``), ``world`` (requests and virtual accounts
for a seeded case system, keys, connections: everything the demo and the tests start).
"""
