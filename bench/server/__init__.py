"""The Django pieces of bench/checkin.py --server: production settings plus a bare DRF view as the
baseline, and a middleware that reports each request's SQL statements. Never used by the app."""
