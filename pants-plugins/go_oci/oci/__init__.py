"""OCI image model, image layout, SBOM and the layertool helper; no Pants imports."""
