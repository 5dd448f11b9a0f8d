import { describe, expect, it } from '@jest/globals';
import { Controller, Delete, Get, Module, Patch, Post } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import {
  AuditDeclarationsCheck,
  auditDeclarationProblems,
  mutatingRoutes,
} from './audit-declarations.check.js';
import { Audit } from './audit.decorator.js';

@Controller('things')
class ThingsController {
  @Get()
  list() {}

  @Post()
  @Audit('thing.create', 'things')
  create() {}

  @Delete(':id')
  @Audit(
    {
      pick: (req) => ((req.query as { hard?: string }).hard ? 'thing.destroy' : 'thing.delete'),
      among: ['thing.delete', 'thing.destroy'],
    },
    'things',
  )
  remove() {}

  @Patch(':id')
  forgotten() {}
}

@Controller('odd')
class OddController {
  @Post()
  @Audit('ThingsController.create', 'things')
  create() {}
}

describe('audit declarations check', () => {
  it('lists every mutating handler with its declaration and names the ones that forgot or are malformed', () => {
    const routes = mutatingRoutes([
      { metatype: ThingsController, instance: new ThingsController() },
      { metatype: OddController, instance: new OddController() },
    ]);
    expect(routes.map((r) => [r.handler, r.route, r.audit?.actions])).toEqual([
      ['ThingsController.create', 'POST things', ['thing.create']],
      ['ThingsController.remove', 'DELETE things/:id', ['thing.delete', 'thing.destroy']],
      ['ThingsController.forgotten', 'PATCH things/:id', undefined],
      ['OddController.create', 'POST odd', ['ThingsController.create']],
    ]);
    expect(auditDeclarationProblems(routes)).toEqual([
      'PATCH things/:id (ThingsController.forgotten) declares no audit action: add @Audit(...)',
      'POST odd (OddController.create) declares an audit action not of the form <noun>.<verb>, or no target type',
    ]);
  });

  it('fails boot when a mutating route declares no audit action', async () => {
    @Module({
      imports: [DiscoveryModule],
      controllers: [ThingsController],
      providers: [AuditDeclarationsCheck],
    })
    class Broken {}
    const moduleRef = await Test.createTestingModule({ imports: [Broken] }).compile();
    await expect(moduleRef.init()).rejects.toThrow(
      /PATCH things\/:id \(ThingsController.forgotten\) declares no audit action/,
    );
  });
});
