import { describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, Post } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Authenticated, Public } from '../auth/authenticated.decorator.js';
import { AccessDeclarationsCheck, undeclaredRoutes } from './access-declarations.check.js';
import { Access } from './access.decorator.js';
import { Verb } from './roles.js';

@Controller('things')
class ThingsController {
  @Get()
  @Access(Verb.OBJECTS_READ, { cluster: 'id' })
  list() {}

  @Get('me')
  @Authenticated()
  me() {}

  @Get('open')
  @Public()
  open() {}

  @Post()
  forgotten() {}
}

@Controller('admin')
@Access(Verb.PRINCIPALS_MANAGE)
class AdminController {
  @Get()
  list() {}
}

describe('access declarations', () => {
  it('names every route without @Access, @Authenticated or @Public (class-level declarations count)', () => {
    const found = undeclaredRoutes([
      { metatype: ThingsController, instance: new ThingsController() },
      { metatype: AdminController, instance: new AdminController() },
    ]);
    expect(found).toEqual(['POST things (ThingsController.forgotten)']);
  });

  it('fails the boot of an app with such a route', async () => {
    @Module({
      imports: [DiscoveryModule],
      controllers: [ThingsController],
      providers: [AccessDeclarationsCheck],
    })
    class M {}
    const ref = await Test.createTestingModule({ imports: [M] }).compile();
    await expect(ref.init()).rejects.toThrow('ThingsController.forgotten');
  });
});
