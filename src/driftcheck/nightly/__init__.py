"""The scheduled nightly job: the drop folder, one night's run, and the notifications.

May import every stage but ``cli``.
"""
