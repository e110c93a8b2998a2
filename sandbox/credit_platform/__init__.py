"""Sandbox of the provincial credit-information sharing platform (自治区信用信息共享平台).

The hub reaches the platform through its front-end exchange database (前置库): the hub writes list rows,
the platform marks them processed (CLZT) and writes joint-punishment feedback (联合惩戒反馈) rows that
the hub reads back. :mod:`.schema` is the 前置库 contract; :mod:`.simulator` plays the platform.
"""
