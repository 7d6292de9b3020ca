// Package vktest opens the Vulkan device for tests.
//
// Open skips the test when no device exists, except when CI is set: there a GPU test that cannot
// open a device fails. The validation layer is on whenever it is installed (and CI requires it);
// at cleanup the test fails if it caused any validation message or if the device, once closed,
// still counts a live object.
package vktest
