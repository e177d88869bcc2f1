import { ApiProperty } from '@nestjs/swagger';
import { KEY_ENVIRONMENTS } from '../../api-key-format';

class KeyChecksumDto {
  @ApiProperty({ enum: ['crc32'] }) algorithm: 'crc32';
  @ApiProperty({ example: 6 }) length: number;
  @ApiProperty() description: string;
}

/** The pattern secret scanners look for (GitHub's partner program asks for a type and a regex). */
export class KeyPatternDto {
  @ApiProperty({ example: 'tessera_api_key' }) type: string;
  @ApiProperty({
    example: '\\btk_(?:live|test|dev)_[0-9A-Za-z]{38}\\b',
    description: 'Finds candidates; only those whose checksum holds are keys',
  })
  pattern: string;
  @ApiProperty() description: string;
  @ApiProperty({ example: 'tk' }) prefix: string;
  @ApiProperty({ enum: KEY_ENVIRONMENTS, isArray: true }) environments: string[];
  @ApiProperty({ type: KeyChecksumDto }) checksum: KeyChecksumDto;
  @ApiProperty({
    example: 'https://tessera.example/v1/api-keys/leaked',
    description: 'Where a secret-scanning partner reports leaked keys',
  })
  report_url: string;
}
