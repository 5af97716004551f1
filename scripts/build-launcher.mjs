// Placeholder until the launcher lands; replaced by the real build.
