terraform {
  # Validations that refer to other variables need 1.9; the module uses no
  # provider at all, so it renders (and its tests run) offline.
  required_version = ">= 1.9"
}
