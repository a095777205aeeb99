package iam

// Exported for the external tests: they compute codes from the seed CreateVirtualMFADevice returns, as a device does.
var (
	TOTPCode = totpCode
	TOTPStep = totpStep
)
