//go:build ignore

// gen draws Latchkey's icons: the application icon and the tray icons.
// Run it from this folder with `go generate` (see assets.go) or
// `go run gen.go`; it rewrites the PNGs beside it.
//
// The glyph is a key, tilted 45°, drawn from signed distance functions so
// that the same shapes give a clean fill, an outline and anti-aliasing at
// any size. Tray icons are a light key inside a dark outline so that they
// read at 16 px on both light and dark panels; the attention and busy
// variants add a badge in the lower right corner.
package main

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log"
	"math"
	"os"
)

// sdf is a signed distance in unit coordinates: negative inside a shape.
type sdf func(x, y float64) float64

func circle(cx, cy, r float64) sdf {
	return func(x, y float64) float64 { return math.Hypot(x-cx, y-cy) - r }
}

func box(cx, cy, hw, hh float64) sdf {
	return func(x, y float64) float64 {
		dx, dy := math.Abs(x-cx)-hw, math.Abs(y-cy)-hh
		out := math.Hypot(math.Max(dx, 0), math.Max(dy, 0))
		return out + math.Min(math.Max(dx, dy), 0)
	}
}

func roundedBox(cx, cy, hw, hh, r float64) sdf {
	inner := box(cx, cy, hw-r, hh-r)
	return func(x, y float64) float64 { return inner(x, y) - r }
}

func union(shapes ...sdf) sdf {
	return func(x, y float64) float64 {
		d := math.Inf(1)
		for _, s := range shapes {
			d = math.Min(d, s(x, y))
		}
		return d
	}
}

func subtract(a, b sdf) sdf {
	return func(x, y float64) float64 { return math.Max(a(x, y), -b(x, y)) }
}

func grow(s sdf, by float64) sdf {
	return func(x, y float64) float64 { return s(x, y) - by }
}

// rotate turns a shape by deg degrees around (cx, cy).
func rotate(s sdf, cx, cy, deg float64) sdf {
	sin, cos := math.Sincos(-deg * math.Pi / 180)
	return func(x, y float64) float64 {
		dx, dy := x-cx, y-cy
		return s(cx+dx*cos-dy*sin, cy+dx*sin+dy*cos)
	}
}

// key is the Latchkey glyph: a ring bow, a shaft and two bits, centred on
// (0.5, 0.5), before rotation.
func key() sdf {
	bow := subtract(circle(0.26, 0.5, 0.19), circle(0.26, 0.5, 0.075))
	shaft := box(0.58, 0.5, 0.2, 0.06)
	bit1 := box(0.66, 0.6, 0.035, 0.1)
	bit2 := box(0.755, 0.58, 0.035, 0.08)
	return rotate(union(bow, shaft, bit1, bit2), 0.5, 0.5, -45)
}

// layer is one flat-coloured shape; layers are painted in order.
type layer struct {
	shape sdf
	color color.NRGBA
}

// render paints layers onto a size×size transparent image, taking 4×4
// samples per pixel for anti-aliasing.
func render(size int, layers []layer) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const n = 4
	for _, l := range layers {
		mask := image.NewAlpha(img.Bounds())
		for py := 0; py < size; py++ {
			for px := 0; px < size; px++ {
				hits := 0
				for sy := 0; sy < n; sy++ {
					for sx := 0; sx < n; sx++ {
						x := (float64(px) + (float64(sx)+0.5)/n) / float64(size)
						y := (float64(py) + (float64(sy)+0.5)/n) / float64(size)
						if l.shape(x, y) <= 0 {
							hits++
						}
					}
				}
				mask.SetAlpha(px, py, color.Alpha{A: uint8(hits * 255 / (n * n))})
			}
		}
		draw.DrawMask(img, img.Bounds(), image.NewUniform(l.color), image.Point{}, mask, image.Point{}, draw.Over)
	}
	return img
}

var (
	ink       = color.NRGBA{0x1b, 0x1f, 0x24, 0xff} // outline: dark on light panels
	gold      = color.NRGBA{0xf6, 0xc3, 0x3c, 0xff} // key: light on dark panels
	navy      = color.NRGBA{0x1d, 0x3b, 0x5c, 0xff}
	navyLight = color.NRGBA{0x2f, 0x5f, 0x8f, 0xff}
	orange    = color.NRGBA{0xf0, 0x59, 0x1e, 0xff}
	blue      = color.NRGBA{0x22, 0x8b, 0xe6, 0xff}
	white     = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

// trayKey is the key in tray proportions: as large as the square allows.
func trayKey() sdf {
	k := key()
	// Scale up around the centre so the key fills the icon.
	return func(x, y float64) float64 { return k(0.5+(x-0.5)/1.16, 0.5+(y-0.5)/1.16) * 1.16 }
}

func trayLayers(badge []layer) []layer {
	k := trayKey()
	layers := []layer{
		{grow(k, 0.055), ink},
		{k, gold},
	}
	return append(layers, badge...)
}

const bx, by, br = 0.735, 0.735, 0.2

func attentionBadge() []layer {
	return []layer{
		{circle(bx, by, br+0.05), ink},
		{circle(bx, by, br), orange},
		{box(bx, by-0.045, 0.032, 0.09), white},
		{circle(bx, by+0.11, 0.035), white},
	}
}

func busyBadge() []layer {
	return []layer{
		{circle(bx, by, br+0.05), ink},
		{circle(bx, by, br), blue},
		{circle(bx-0.095, by, 0.035), white},
		{circle(bx, by, 0.035), white},
		{circle(bx+0.095, by, 0.035), white},
	}
}

func appIconLayers() []layer {
	bg := roundedBox(0.5, 0.5, 0.44, 0.44, 0.1)
	k := func(x, y float64) float64 { return key()(0.5+(x-0.5)/0.8, 0.5+(y-0.5)/0.8) * 0.8 }
	shadow := func(x, y float64) float64 { return k(x-0.015, y-0.02) }
	return []layer{
		{grow(bg, 0.01), navy},
		{roundedBox(0.5, 0.42, 0.44, 0.36, 0.1), navyLight},
		{bg2(bg), navy},
		{grow(shadow, 0.01), color.NRGBA{0, 0, 0, 0x60}},
		{grow(k, 0.012), ink},
		{k, gold},
	}
}

// bg2 is the lower band of the background, giving it a two-tone face.
func bg2(bg sdf) sdf {
	return func(x, y float64) float64 { return math.Max(bg(x, y), 0.55-y) }
}

func save(name string, img image.Image) {
	f, err := os.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func main() {
	// Fyne hands tray icons over at 64 px; drawing them at that size keeps
	// the down-scaling done by the panel to a single step.
	const tray = 64
	save("icon.png", render(512, appIconLayers()))
	save("tray.png", render(tray, trayLayers(nil)))
	save("tray-attention.png", render(tray, trayLayers(attentionBadge())))
	save("tray-busy.png", render(tray, trayLayers(busyBadge())))
}
