"""What protects the data Temporal keeps: the payload codec (AES-256-GCM)."""
