import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCanvas, loadImage } from '@napi-rs/canvas'
import { FACE_COLOURS, FaceRenderer, faceGeometry } from './face-renderer.ts'
import type { AvatarKeyframe } from './keyframes.ts'
import type { Viseme } from './viseme-timeline.ts'

function keyframe(viseme: Viseme, weight = 1, blink = 0): AvatarKeyframe {
  return { seq: 0, startMs: 0, endMs: 40, viseme, weight, blink, head: { yaw: 0, pitch: 0, roll: 0 } }
}

/** Decodes a PNG with Skia (an independent decoder) and counts mouth-coloured pixels in the mouth's box. */
async function mouthPixels(png: Buffer, width: number, height: number): Promise<number> {
  const image = await loadImage(png)
  assert.equal(image.width, width)
  assert.equal(image.height, height)
  const canvas = createCanvas(width, height)
  const context = canvas.getContext('2d')
  context.drawImage(image, 0, 0)
  const { mouth } = faceGeometry(width, height)
  const left = Math.floor(mouth.x - mouth.halfWidth)
  const top = Math.floor(mouth.y - mouth.halfHeight)
  const box = context.getImageData(left, top, Math.ceil(mouth.halfWidth * 2), Math.ceil(mouth.halfHeight * 2))
  const target = [0x5a, 0x16, 0x20]
  let count = 0
  for (let index = 0; index < box.data.length; index += 4) {
    const close = target.every((value, channel) => Math.abs(box.data[index + channel]! - value) < 24)
    if (close) count++
  }
  return count
}

test('rendered PNG frames decode at the asked size and the mouth opens with the viseme', async () => {
  assert.equal(FACE_COLOURS.mouth, '#5a1620')
  const renderer = await FaceRenderer.create(256, 256)
  const open = await mouthPixels(await renderer.render(keyframe('aa')), 256, 256)
  const round = await mouthPixels(await renderer.render(keyframe('O')), 256, 256)
  const half = await mouthPixels(await renderer.render(keyframe('aa', 0.5)), 256, 256)
  const closed = await mouthPixels(await renderer.render(keyframe('PP')), 256, 256)
  const rest = await mouthPixels(renderer.renderSync(keyframe('sil', 0)), 256, 256)
  assert.equal(closed, 0, 'PP presses the lips together')
  assert.equal(rest, 0)
  assert.ok(open > 1_000, `aa opens the mouth wide (${open} px)`)
  assert.ok(round > 300 && round < open, `O is rounder and smaller (${round} px)`)
  assert.ok(half > closed && half < open, `weight 0.5 opens it half way (${half} px)`)
})

test('other sizes render too, and a blink changes the image', async () => {
  const renderer = await FaceRenderer.create(320, 180)
  const png = await renderer.render(keyframe('E'))
  assert.ok((await mouthPixels(png, 320, 180)) > 100)
  const blinking = await renderer.render(keyframe('E', 1, 1))
  assert.notDeepEqual(blinking, png)
  assert.deepEqual(renderer.renderSync(keyframe('E')), png, 'the same keyframe gives the same bytes')
})
