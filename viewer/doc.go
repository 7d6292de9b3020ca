// Package viewer is dsr4d's 4D viewer: it draws a scene's point maps fused over time, the
// camera path and frustums, object centres, trails and facing arrows, and a question's
// objects, interval and viewpoint axes, with Vulkan graphics pipelines (vulkan-go, the only
// package besides vk that sees its types) in a GLFW window or offscreen.
//
// Build turns a scene (package scene) into Geometry: every valid point (SPEC-QA §1) in world
// coordinates, laid out background-first then objects, each frame by frame, so that any run of
// frames is one contiguous range; and the line geometry, grouped by kind and frame. The renderer
// uploads it once; a frame only chooses ranges and push constants (Offscreen.Uploads proves it).
//
// State holds what a frame depends on: Settings (mode current/accumulate/trail, colour by
// rgb/object/time/confidence, point size, stride, confidence percentile), the Timeline (frame,
// play, speed, loop) and the Camera (orbit around the scene's up axis, pan, zoom, fly, or
// through the scene's camera). Press applies the keys listed in KeysHelp; the window maps GLFW
// keys and mouse input to it.
//
// Offscreen renders without a window or display into an image and reads it back (PNG via
// WritePNG). Window (OpenWindow) is a GLFW window without a client API and a Vulkan swapchain;
// GLFW must be called from the main OS thread, so callers lock it (runtime.LockOSThread in an
// init function of package main, or a TestMain that runs tests elsewhere).
//
// The HUD is text from the 7×13 bitmap face of golang.org/x/image/font/basicfont, drawn as
// quads (one per lit run of a glyph row): no texture, no descriptor sets.
//
// Ownership. The Vulkan instance, device, queue, surface, validation messenger (DSR4D_VALIDATE=1
// or the validate arguments) and live-object count belong to a vk.Device opened with
// Options.Graphics; the viewer owns only the graphics objects it makes from the device's Handles
// (command pool, buffers, images, render pass, pipelines, framebuffers, swapchain, semaphores,
// fences), counts each with Device.Track, and releases them all before Device.Close, which then
// destroys the surface; tests check that Live is zero afterwards. Submissions and presents go
// through the Device (its queue lock). The graphics calls that pass arrays of structs
// (render pass, graphics pipelines, viewport and scissor, image copies, surface formats) are made
// by cgo.go's C functions, which build those structures on their own stack, for the reason
// package vk's doc gives: vulkan-go frees its C copies of such arrays from finalizers that can
// run during the call. The remaining vulkan-go calls pass only handles, numbers and structs
// whose slices hold handles, each freed (Free) after its call.
//
// Conventions: world coordinates are the scene's (poses map OpenCV camera frames to world);
// the orbit camera's up is the mean camera up (−y of the OpenCV camera) over the frames; the
// question viewpoint's axes are drawn x forward (red), y left (green), z up (blue).
package viewer
