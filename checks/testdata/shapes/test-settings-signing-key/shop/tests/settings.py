from shop.settings import *  # noqa: F403

SECRET_KEY = "tests"

JWT_PRIVATE_KEY = """-----BEGIN RSA PRIVATE KEY-----
ezvFaHt86M7fo8+25lfsnER//GVNnRprubg0sPmy4Fs2VetzLMuFR4CXRgAgOwnR
E+c6XJM5u4D5xdeMhEfrXIw9Hlvnirg+iF4ZbahJOxbAvZaSsT9fLwALUGYqFDR1
wHcqptO+pBDkHRuFGYDNmuzT16aOOfb5OFksrQEohtpFqlRJ9XCWVfIsijE9bFz6
fcnteIvIBP1HaBk5PkJSmU/fswhiYhALfJX0eHcbjSO3Caks9LKwoSx6K0lpd8j4
3OPWtudlUru0h8qVLTZKmNodWShopYbL+zvsOGHn/pluY2+1w6i0a+5C+WIJ7FJJ
IOB0MRD0aHsD8xHeye0qa1d/+6E9AjAQdhUWA2KIJ8ptBzgLtrbrvhXeBr+LTT87
h0q1IJtxUKlet8Wb
-----END RSA PRIVATE KEY-----
"""

PAYMENTS_TOKEN = "ghp_Zq3Zq3Zq3Zq3Zq3Zq3Zq3Zq3Zq3Zq3Zq3Zq3"
