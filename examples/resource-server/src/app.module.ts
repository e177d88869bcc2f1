import { DynamicModule, Module } from '@nestjs/common';
import { TesseraAuthModule, type TesseraAuthOptions } from '@tessera/sdk/nest';
import { TranslateController } from './translate.controller';

/** The resource server, trusting the Tessera these options name. */
@Module({})
export class ResourceServerModule {
  static forTessera(options: TesseraAuthOptions): DynamicModule {
    return {
      module: ResourceServerModule,
      imports: [TesseraAuthModule.forRoot(options)],
      controllers: [TranslateController],
    };
  }
}
