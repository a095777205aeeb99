package iam

// Exported for the external tests of the credential family.
var ExportSSHKeyParse = sshkeysParse
