"""The platform: the web application an assessment office runs a whole cycle on.

Cut by domain: ``accounts`` (users, passwords, sessions), ``permissions`` (who may do what — the
one place), ``audit`` (the hash-chained record), ``cycles`` (scheme versions, cycles and the values
that feed the engine), ``board`` (the public 亮晒比 pages). ``app.create_app(settings)`` builds the
application; ``store`` holds the database models and sessions.
"""
