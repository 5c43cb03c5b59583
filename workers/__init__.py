"""RQ jobs and the pipeline engines: builds, linting, SBOMs, scanning, promotion, GitHub client."""
