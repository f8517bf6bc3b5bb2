-- The restaurant's time zone (IANA name): business days and reports follow local time.
ALTER TABLE site_settings ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
