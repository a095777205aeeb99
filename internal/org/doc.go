// Package org is the AWS Organizations domain: organizations of iamd accounts, their root and organizational units,
// accounts joining (CreateAccount, invitations and handshakes) and leaving, and the organization policies (service
// control, resource control and tag policies) attached along that hierarchy. It also tells the IAM service, through
// iam.Organizations, which SCPs and RCPs apply to an account and what its organization condition keys are, so that
// every decision applies them. It knows nothing of HTTP or storage engines.
package org
