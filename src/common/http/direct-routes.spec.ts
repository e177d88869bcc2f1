import {
  Body,
  Controller,
  Header,
  Redirect,
  Post,
  Req,
  UseGuards,
  UseInterceptors,
  type CallHandler,
  type CanActivate,
  type NestInterceptor,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { assertNothingElseRuns, DirectRoute } from './direct-routes';

class PassThrough implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

class Always implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Controller()
class Routes {
  @DirectRoute()
  @Post('fine')
  fine(@Req() request: unknown): unknown {
    return request;
  }

  @DirectRoute()
  @UseInterceptors(PassThrough)
  @Post('intercepted')
  intercepted(@Req() request: unknown): unknown {
    return request;
  }

  @DirectRoute()
  @Post('with-body')
  withBody(@Body() body: unknown): unknown {
    return body;
  }

  @DirectRoute()
  @Post('request-second')
  requestSecond(_first: unknown, @Req() request: unknown): unknown {
    return request;
  }

  @DirectRoute()
  @Redirect('https://example.com')
  @Post('redirected')
  redirected(@Req() request: unknown): unknown {
    return request;
  }

  @DirectRoute()
  @Header('X-Computed', (() => 'per request') as unknown as string)
  @Post('computed-header')
  computedHeader(@Req() request: unknown): unknown {
    return request;
  }
}

@UseGuards(Always)
@Controller()
class GuardedRoutes {
  @DirectRoute()
  @Post('guarded')
  guarded(@Req() request: unknown): unknown {
    return request;
  }
}

describe('@DirectRoute', () => {
  it('takes a handler of the request alone, with nothing of Nest’s around it', () => {
    expect(() => assertNothingElseRuns(Routes, 'fine')).not.toThrow();
  });

  it('is refused at boot on a route with an interceptor or guard (they would not run)', () => {
    expect(() => assertNothingElseRuns(Routes, 'intercepted')).toThrow(
      /Routes.intercepted is a @DirectRoute: Nest's __interceptors__ would not run/,
    );
    expect(() => assertNothingElseRuns(GuardedRoutes, 'guarded')).toThrow(/__guards__/);
  });

  it('is refused at boot on a route taking more than the request, or the request not first', () => {
    expect(() => assertNothingElseRuns(Routes, 'withBody')).toThrow(/may take only @Req\(\)/);
    expect(() => assertNothingElseRuns(Routes, 'requestSecond')).toThrow(/@Req\(\) first/);
  });

  it('is refused at boot on a route whose answer Nest makes, or whose header is computed', () => {
    expect(() => assertNothingElseRuns(Routes, 'redirected')).toThrow(/__redirect__/);
    expect(() => assertNothingElseRuns(Routes, 'computedHeader')).toThrow(/fixed strings/);
  });
});
