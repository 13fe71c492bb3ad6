"""Two-step sign-in (issue 14, item 4): a TOTP authenticator app (django-otp's TOTPDevice) with
single-use recovery codes (its StaticDevice), asked for after the password.

Who must use it: visits.permissions.mfa_required_for (national admins, anyone with Django admin
access, office managers) while settings.TOLKDESK_MFA_REQUIRED is on; anyone else may enrol from the
account page, and is then asked for a code at every sign-in too.

- selectors.py: the user's devices, what a session still needs (verify / enrol / nothing), the lock.
- services.py:  enrol (start, confirm), recovery codes, verify, switch off.
- middleware.py: keeps a signed-in session that still needs a second factor on the verification or
  enrolment page (pages redirect, the API answers 403, the pages' polls 401).
- views.py:     the account page, enrolment, verification, recovery codes.
"""
