import { expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { resolvePaths } from '../../src/config/paths.ts'
import { tempDir } from '../helpers/tmp.ts'

test('default paths follow HOME, XDG_CONFIG_HOME and BYOKEY_HOME', () => {
  expect(resolvePaths({ HOME: '/h' })).toMatchObject({
    configFile: '/h/.config/byokey/config.yaml',
    dbFile: '/h/.byokey/byokey.db',
    socketFile: '/h/.byokey/byokey.sock',
  })
  expect(resolvePaths({ HOME: '/h', XDG_CONFIG_HOME: '/x' }).configFile).toBe('/x/byokey/config.yaml')
  expect(resolvePaths({ HOME: '/h', XDG_CONFIG_HOME: '/x', BYOKEY_HOME: '/b' })).toMatchObject({
    configFile: '/b/config.yaml',
    dbFile: '/b/byokey.db',
  })
})

test('an existing config.json is found when there is no config.yaml', () => {
  using dir = tempDir()
  writeFileSync(dir.join('config.json'), '{}')
  expect(resolvePaths({ BYOKEY_HOME: dir.path }).configFile).toBe(dir.join('config.json'))
})
