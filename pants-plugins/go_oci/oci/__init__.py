"""The OCI image model (documents, digests, blob paths, the SBOM, pulls and pushes) and layertool, which moves their bytes; no Pants imports."""
