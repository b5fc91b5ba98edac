// Package soak holds the soak test, built with the soak tag (make soak):
// minutes of event floods, slow and busy callbacks, attach/detach churn
// and maps against one long-lived luatrace whose memory must stay
// bounded, while short-lived ones are interrupted with SIGINT in each of
// their states and must exit within a second, leaving nothing attached.
// It is a stress run, not part of make test or CI.
package soak
